-- shipments_most_at_risk: the :top in-transit shipments the late-delivery risk model scores highest.
--
-- Parameters (convention of every file in sql/: `:name` placeholders, given as
-- `--param name=value` and bound as string literals):
--   :top   how many shipments to list (e.g. 20)
--
-- Run:  supplylake sql --query shipments_most_at_risk --param top=20
--
-- Each shipment's latest row (shipment_current) while it is in transit before its expected
-- delivery: the score the shipments pipeline gave it with the latest model `supplylake train`
-- stored (late_risk, risk_model), next to the rule's SLA state and the route-based ETA, and
-- whether SHIPMENT_AT_RISK was raised. Empty until a model is trained (docs/shipments.md,
-- Late-delivery risk); shipments already LATE are not at risk any more, they are late.
SELECT
    c.shipment_id,
    c.order_id,
    c.carrier,
    c.status,
    c.sla_state,
    round(c.late_risk, 3) AS late_risk,
    c.risk_model,
    c.expected_delivery,
    c.eta,
    round(date_diff('minute', c.event_time, c.expected_delivery) / 60.0, 1) AS hours_to_due,
    c.last_scan_at,
    EXISTS (
        SELECT 1 FROM alerts a WHERE a.alert_type = 'SHIPMENT_AT_RISK' AND a.entity_id = c.shipment_id
    ) AS alerted
FROM shipment_current c
WHERE c.late_risk IS NOT NULL
QUALIFY row_number() OVER (ORDER BY c.late_risk DESC, c.shipment_id) <= coalesce(
    try_cast(:top AS INTEGER), error('top must be a whole number of shipments, got ' || :top)
)
ORDER BY c.late_risk DESC, c.shipment_id
