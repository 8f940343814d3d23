{#
    Items that survive the dedup knob (none | title | text | title_text): within each group
    of equal normalised titles or decoded texts, the item with the smallest item key stays.
    title_text removes title duplicates first, then text duplicates among the rest.
    With dedup = none (the course's behaviour) every item stays.
#}
with

fingerprinted as (
    select
        item_key,
        normalised_title,
        decoded_text
    from {{ ref('int_items_fingerprinted') }}
),

after_title as (
    select
        item_key,
        decoded_text,
        {%- if var('dedup') in ('title', 'title_text') %}
        min(item_key) over (partition by normalised_title) as title_twin
        {%- else %}
            item_key as title_twin
        {%- endif %}
    from fingerprinted
),

after_text as (
    select
        item_key,
        title_twin,
        {%- if var('dedup') in ('text', 'title_text') %}
        min(item_key) over (partition by decoded_text) as text_twin
        {%- else %}
            item_key as text_twin
        {%- endif %}
    from after_title
    where title_twin = item_key
),

decided as (
    select
        fingerprinted.item_key,
        case
            when after_title.title_twin <> fingerprinted.item_key then 'title'
            when after_text.text_twin <> fingerprinted.item_key then 'text'
        end as dropped_by,
        case
            when after_title.title_twin <> fingerprinted.item_key then after_title.title_twin
            when after_text.text_twin <> fingerprinted.item_key then after_text.text_twin
        end as duplicate_of
    from fingerprinted
    inner join after_title
        on fingerprinted.item_key = after_title.item_key
    left join after_text
        on fingerprinted.item_key = after_text.item_key
)

select * from decided
