"""Behavioural constants of the simulated supply chain, in one place.

The generator draws from these and the rate calibration computes expectations from the same
numbers, so changing one keeps the requested event rate honest. Durations are in hours unless
the name says otherwise; ranges are (low, high) of a uniform draw.
"""

from __future__ import annotations

# --- demand -----------------------------------------------------------------------------------
WEB_ORDER_SHARE = 0.4  # share of orders that come from a web sale (sale.recorded + order.placed)
WEB_LINES = ((1, 0.75), (2, 0.25))  # (lines, probability)
WEB_UNITS = ((1, 0.85), (2, 0.15))  # units per web line
B2B_LINES = (1, 4)  # uniform number of lines of a business order
POS_SALES_PER_ORDER = 1.5  # store sales (no warehouse stock) per warehouse order
SPIKES_PER_DAY = 0.7
SPIKE_MULTIPLIER = (3.0, 8.0)
SPIKE_HOURS = (2.0, 12.0)
SPIKE_DISCOUNT = (0.05, 0.25)

# --- stock policy -----------------------------------------------------------------------------
SAFETY_DAYS = 3.0  # reorder point covers lead time plus this
COVER_DAYS = 7.0  # order-up-to level adds this many days of demand
CARRY_PROBABILITY = 0.93  # a warehouse stocks a given SKU (the rest are never mentioned)
OPENING_STOCK_FACTOR = (0.7, 2.2)  # opening on-hand as a multiple of the reorder point
REVIEW_DELAY_MIN = (5.0, 60.0)  # buyer reacts to a reorder-point breach within this

# --- order fulfilment -------------------------------------------------------------------------
RESERVE_DELAY_S = (2.0, 20.0)
RESERVE_RETRY = 6.0  # nothing reservable: try again after this many hours
RESERVE_ATTEMPTS = 3
PICK_START_MIN = (10.0, 180.0)
PICK_DURATION_MIN = (5.0, 45.0)
DISPATCH_MIN = (1.0, 10.0)

# --- shipments --------------------------------------------------------------------------------
PICKUP_WAIT = (0.5, 4.0)
PICKUP_PLAN = 4.0  # planned pickup delay used for expectedDelivery
HANDLING = 1.0  # added to distance / speed
DELIVERY_BUFFER = 6.0  # slack in expectedDelivery
TRANSIT_JITTER = (0.85, 1.10)
LATE_DELAY = (6.0, 36.0)  # extra hours of a shipment that will be late
DISRUPTION_LATE_BOOST = 0.25  # extra late probability into a region under an active signal
OUT_FOR_DELIVERY = (0.5, 5.0)  # hours on the van before delivery
ATTEMPT_FAILS = 0.07  # first delivery attempt fails
REDELIVERY = (16.0, 24.0)  # next van run after a failed attempt
SCAN_EVERY = 8.0  # one in.transit hub scan per this many transit hours (at least one)
MAX_SCANS = 6
TELEMETRY_EVERY_S = 900.0
TELEMETRY_JITTER_S = 60.0
EXCURSION_PROBABILITY = 0.08  # of cold-chain shipments
EXCURSION_HOURS = (1.0, 3.0)
DEVIATION_PROBABILITY = 0.04
DEVIATION_KM = (40.0, 150.0)
DEVIATION_HOURS = (1.0, 4.0)

# --- suppliers --------------------------------------------------------------------------------
SHIP_FRACTION = (0.4, 0.7)  # supplier ships after this share of the lead time
EARLY_ARRIVAL = (0.0, 18.0)  # on-time POs arrive up to this many hours before the promise
LATE_ARRIVAL = (12.0, 120.0)
SHORT_SHIP_FILL = (0.6, 0.95)
REJECT_SHARE = (0.1, 0.5)
RECEIPT_STAGGER_MIN = (2.0, 10.0)
COST_JITTER = (0.95, 1.05)
LEADTIME_CHANGES_PER_DAY = 0.35
LEADTIME_JUMP = (1.5, 2.5)
OVER_SHIP_FILL = (1.05, 1.25)  # an over-shipped line carries this multiple of the ordered quantity

# --- supplier reliability profiles (history runs) ---------------------------------------------
# Each supplier gets a grade from best (1) to worst (0), evenly spread over the suppliers and
# shuffled by the seed; every rate is a straight line between its (worst, best) ends, jittered.
PROFILE_ON_TIME = (0.55, 0.97)  # probability a PO arrives by its promised date
PROFILE_LATE_HOURS = (96.0, 18.0)  # typical delay of a late PO; drawn within 0.5..1.5 of it
PROFILE_SHORT_SHIP = (0.25, 0.02)
PROFILE_OVER_SHIP = (0.08, 0.0)
PROFILE_REJECTION = (0.10, 0.005)
PROFILE_JITTER = 0.03  # of each rate's range, either way

# --- inventory noise and signals --------------------------------------------------------------
ADJUSTMENTS_PER_ORDER = 0.02
ADJUSTMENTS_PER_WAREHOUSE_DAY = 2.0  # damage and shrinkage happen even in a quiet warehouse
CYCLE_COUNT_SHARE = 0.10  # of a warehouse's SKUs counted each night
COUNT_DISCREPANCY = 0.15
SIGNALS_PER_DAY = 2.0
PORT_CLOSURE_SHARE = 0.4

# --- ERP --------------------------------------------------------------------------------------
ERP_SETTLE = 2.0  # a timing difference is a movement within this many hours of the cut-off

# --- history runs (`supplylake simulate --days N`) ------------------------------------------
# Telemetry is ~78 % of the stream at full density; a twentieth of it keeps 90 days under ~2M
# events (one reading per shipment about every 5 hours, excursions and deviations in full).
HISTORY_TELEMETRY_DENSITY = 0.05
HISTORY_ERP_SNAPSHOT_EVERY_H = 24.0  # one ERP snapshot per day of history
