"""pricer: curates Amazon Reviews 2023 item metadata into a price-prediction dataset."""

__version__ = "0.1.0"
