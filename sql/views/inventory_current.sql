-- inventory_current: the current stock level per warehouse×SKU.
--
-- The `inventory_current` view of `supplylake sql` and the dashboard, and the rule the inventory
-- pipeline seeds a new broker epoch from (pipelines/inventory/seeding.py): one definition, so the
-- level a restart resumes from is the level analysts see.
--
-- The inventory pipeline knows, when it writes level rows, which one is the level the key now
-- stands at (out-of-order events re-emit corrected rows for later events, late events are placed
-- at an effective time, so neither the newest event time nor the newest offset alone says it) and
-- flags that row is_current. The newest flagged row wins: ingested_at orders broker epochs
-- (offsets restart with each embedded broker), the source offset orders rows within one
-- (ingested_at has millisecond ties).
--
-- Reads: inventory_levels (warehouse_id, sku, on_hand, reserved, available, event_time,
-- is_current, ingested_at, _src_offset).
SELECT warehouse_id, sku, on_hand, reserved, available, event_time AS updated_at
FROM inventory_levels
WHERE is_current
QUALIFY row_number() OVER (
    PARTITION BY warehouse_id, sku ORDER BY ingested_at DESC, _src_offset DESC
) = 1
