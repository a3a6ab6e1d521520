-- where_is_my_order: where is order :order_id, and why is it late?
--
-- Parameters (convention of every file in sql/: `:name` placeholders, given as
-- `--param name=value` and bound as string literals):
--   :order_id   the order's orderId, e.g. ORD-A7JX-0000123
--
-- Run:  supplylake sql --file sql/where_is_my_order.sql --param order_id=ORD-A7JX-0000123
--   or, from anywhere (the query ships in the package):
--       supplylake sql --query where_is_my_order --param order_id=ORD-A7JX-0000123
--
-- One row per shipment of the order (one row without shipment columns before the order has
-- shipped; no row for an order the lake has never seen). Everything is judged on event time,
-- as the pipelines see it: `sla_state`, the alerts and `why` say what was known at the latest
-- event the lake holds for the shipment, not at your wall-clock now.
--
-- Columns: where the order is (stage, shipment status, last position and when it was
-- reported, last carrier scan), promised vs expected vs estimated vs actual delivery, every
-- alert raised for the order or its shipments, and `why`: the late-making facts in plain words.
WITH o AS (
    SELECT * FROM order_current WHERE order_id = :order_id
),
s AS (
    SELECT * FROM shipment_current
    WHERE order_id = :order_id
       OR shipment_id IN (SELECT unnest(string_split(shipment_ids, ',')) FROM o)
),
last_position AS (   -- newest of: last telemetry reading, last scan/status position
    SELECT shipment_id, lat, lon, reported_at FROM (
        SELECT shipment_id, lat, lon, event_time AS reported_at FROM shipment_telemetry
        WHERE shipment_id IN (SELECT shipment_id FROM s)
        UNION ALL
        SELECT shipment_id, last_lat, last_lon, position_at FROM s WHERE position_at IS NOT NULL
    )
    QUALIFY row_number() OVER (PARTITION BY shipment_id ORDER BY reported_at DESC) = 1
),
a AS (
    SELECT entity_type, entity_id, alert_type, raised_at, details FROM alerts
    WHERE (entity_type = 'order' AND entity_id = :order_id)
       OR (entity_type = 'shipment' AND entity_id IN (SELECT shipment_id FROM s))
),
shipment_alerts AS (
    SELECT s.shipment_id,
           string_agg(a.alert_type || ' ' || strftime(a.raised_at, '%Y-%m-%d %H:%M'), '; ' ORDER BY a.raised_at)
               AS alerts,
           bool_or(a.alert_type = 'DELIVERY_DELAYED') AS delay_alert,
           bool_or(a.alert_type = 'NO_TRACKING_UPDATE') AS silent_alert,
           bool_or(a.alert_type = 'TEMPERATURE_BREACH') AS breach_alert,
           bool_or(a.alert_type = 'ROUTE_DEVIATION') AS deviation_alert
    FROM s JOIN a ON a.entity_type = 'shipment' AND a.entity_id = s.shipment_id
    GROUP BY s.shipment_id
),
order_alerts AS (
    SELECT string_agg(alert_type || ' ' || strftime(raised_at, '%Y-%m-%d %H:%M'), '; ' ORDER BY raised_at) AS alerts
    FROM a WHERE entity_type = 'order'
)
SELECT
    coalesce(o.order_id, s.order_id)                                      AS order_id,
    o.stage                                                               AS order_stage,
    o.stage_time                                                          AS order_stage_time,
    s.shipment_id,
    s.carrier,
    s.status                                                              AS shipment_status,
    s.status_time                                                         AS shipment_status_time,
    s.sla_state,
    p.lat                                                                 AS last_lat,
    p.lon                                                                 AS last_lon,
    p.reported_at                                                         AS last_position_at,
    s.last_scan_at,
    o.promised_delivery,
    s.expected_delivery,
    s.eta,
    coalesce(o.delivered_at, s.delivered_at)                              AS delivered_at,
    CAST(round(coalesce(o.delivery_delta_ms,
                        epoch_ms(s.delivered_at) - epoch_ms(o.promised_delivery)) / 60000.0) AS BIGINT)
                                                                          AS late_vs_promise_min,
    concat_ws('; ', sa.alerts, oa.alerts)                                 AS alerts,
    coalesce(nullif(concat_ws('; ',
        CASE WHEN coalesce(o.delivered_at, s.delivered_at) > o.promised_delivery
             THEN 'delivered ' || CAST(round((epoch_ms(coalesce(o.delivered_at, s.delivered_at))
                                              - epoch_ms(o.promised_delivery)) / 60000.0) AS BIGINT)
                  || ' min after the promise' END,
        CASE WHEN s.expected_delivery > o.promised_delivery
             THEN 'the carrier''s expected delivery was already after the promise' END,
        CASE WHEN s.delivered_at IS NULL AND s.eta > o.promised_delivery
             THEN 'estimated arrival is after the promise' END,
        CASE WHEN s.delivered_at IS NULL AND s.sla_state = 'LATE'
             THEN 'past the expected delivery without delivery' END,
        CASE WHEN sa.delay_alert AND s.delivered_at IS NOT NULL
             THEN 'delivered after the delay alert' END,
        CASE WHEN sa.silent_alert AND s.delivered_at IS NULL
             THEN 'no carrier scan since ' || strftime(s.last_scan_at, '%Y-%m-%d %H:%M') END,
        CASE WHEN s.dwell_ms LIKE '%delivery_attempted%' OR s.status = 'delivery_attempted'
             THEN 'a delivery attempt failed' END,
        CASE WHEN sa.breach_alert THEN 'cold-chain temperature breach' END,
        CASE WHEN sa.deviation_alert THEN 'left the planned route' END,
        CASE WHEN o.anomalies > 0 THEN 'events out of sequence: ' || o.anomaly_stages || ' after delivery' END,
        CASE WHEN s.shipment_id IS NULL AND o.stage IS NOT NULL THEN 'not shipped yet (stage ' || o.stage || ')' END
    ), ''), 'nothing late known')                                        AS why
FROM o
FULL OUTER JOIN s ON s.order_id = o.order_id OR o.shipment_ids LIKE '%' || s.shipment_id || '%'
LEFT JOIN last_position p ON p.shipment_id = s.shipment_id
LEFT JOIN shipment_alerts sa ON sa.shipment_id = s.shipment_id
CROSS JOIN order_alerts oa
ORDER BY s.shipment_id
