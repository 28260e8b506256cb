-- 服务类社会救助 (issue 22; Zhangye (十), Liaoning 二(三)5): organisations the government buys
-- care services from (care homes, home-care services) register and are verified as charities
-- are (`charities.org_kind`); each lists the services it gives and their contracted prices. A
-- caseworker orders a service for a household member who needs care (elderly, disabled, a
-- minor, or recorded as not fully able to care for themselves): the order is an entry of the
-- household's assistance chain (origin `service`, its monthly cost); the provider records each
-- service given with the person's confirmation, and what was given each month is its cost.
ALTER TABLE charities ADD COLUMN org_kind TEXT NOT NULL DEFAULT 'charity'
    CHECK (org_kind IN ('charity', 'service_provider'));

ALTER TABLE assistance DROP CONSTRAINT assistance_origin_check;
ALTER TABLE assistance ADD CONSTRAINT assistance_origin_check
    CHECK (origin IN ('decision','referral','emergency','manual','charity','service'));

CREATE TABLE service_prices (
    id TEXT PRIMARY KEY,
    provider_id TEXT NOT NULL REFERENCES charities(id),
    kind TEXT NOT NULL CHECK (kind IN ('daily_care', 'nursing', 'accompaniment', 'psychological')),
    unit TEXT NOT NULL CHECK (unit IN ('hour', 'day')),
    price BIGINT NOT NULL CHECK (price > 0),
    active BOOLEAN NOT NULL DEFAULT TRUE,
    created_at BIGINT NOT NULL
);
CREATE INDEX service_prices_provider ON service_prices(provider_id, active);

CREATE TABLE service_orders (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    region_code TEXT NOT NULL,
    provider_id TEXT NOT NULL REFERENCES charities(id),
    price_id TEXT NOT NULL REFERENCES service_prices(id),
    kind TEXT NOT NULL,
    unit TEXT NOT NULL,
    price BIGINT NOT NULL,
    -- Hours or days a month, in tenths (a 2.5-hour visit is 25).
    monthly_quantity BIGINT NOT NULL CHECK (monthly_quantity > 0),
    monthly_cost BIGINT NOT NULL,
    period_from TEXT NOT NULL,
    period_until TEXT NOT NULL,
    -- The member served: their name and ID number, sealed.
    person_name TEXT NOT NULL,
    person_id TEXT NOT NULL,
    reason TEXT NOT NULL,
    assistance_id TEXT NOT NULL REFERENCES assistance(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL
);
CREATE INDEX service_orders_household ON service_orders(household_id, period_from);
CREATE INDEX service_orders_provider ON service_orders(provider_id, period_until);

CREATE TABLE service_deliveries (
    id TEXT PRIMARY KEY,
    order_id TEXT NOT NULL REFERENCES service_orders(id),
    day TEXT NOT NULL,
    month TEXT NOT NULL,
    quantity BIGINT NOT NULL CHECK (quantity > 0),
    carer TEXT NOT NULL,
    confirmed_by TEXT NOT NULL,
    confirmation TEXT NOT NULL CHECK (confirmation IN ('signature', 'thumbprint', 'family')),
    recorded_by TEXT NOT NULL REFERENCES users(id),
    recorded_at BIGINT NOT NULL
);
CREATE INDEX service_deliveries_order ON service_deliveries(order_id, month);
