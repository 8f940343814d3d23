"""Every line of every raw file, numbered: the input of staging (spec section 1).

Wiring only: the line splitting lives in pricer.raw (see its docstring for why it is Python).
"""


def model(dbt, session):
    from pricer.raw import read_raw_dir

    dbt.config(materialized="table")
    categories = [row[0] for row in dbt.ref("categories").project("category").fetchall()]
    return read_raw_dir(dbt.config.get("raw_dir"), categories)
