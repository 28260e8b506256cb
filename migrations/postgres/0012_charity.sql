-- 慈善帮扶 (Liaoning 二(三)6): charity organisations (verified by an administrator), their
-- resources with exact remaining amounts, households' needs (shared only with consent), and the
-- matches between them. Region, kind and category lists are JSON arrays of codes.

CREATE TABLE charities (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL UNIQUE REFERENCES users(id),
    name TEXT NOT NULL,
    credit_code TEXT NOT NULL UNIQUE,
    contact_name TEXT NOT NULL,
    contact_phone TEXT NOT NULL,
    regions TEXT NOT NULL,
    kinds TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending' CHECK (status IN ('pending','verified','rejected')),
    status_note TEXT NOT NULL DEFAULT '',
    decided_by TEXT REFERENCES users(id),
    decided_at BIGINT,
    created_at BIGINT NOT NULL
);

CREATE TABLE charity_resources (
    id TEXT PRIMARY KEY,
    charity_id TEXT NOT NULL REFERENCES charities(id),
    form TEXT NOT NULL CHECK (form IN ('funds','goods','services')),
    title TEXT NOT NULL,
    unit TEXT NOT NULL,
    total BIGINT NOT NULL CHECK (total > 0),
    remaining BIGINT NOT NULL CHECK (remaining >= 0 AND remaining <= total),
    per_household_cap BIGINT CHECK (per_household_cap > 0),
    need_kinds TEXT NOT NULL,
    categories TEXT NOT NULL,
    regions TEXT NOT NULL,
    valid_from TEXT NOT NULL,
    valid_until TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX charity_resources_charity ON charity_resources(charity_id);

CREATE TABLE charity_needs (
    id TEXT PRIMARY KEY,
    household_id TEXT NOT NULL REFERENCES households(id),
    source TEXT NOT NULL CHECK (source IN ('declaration','warning','caseworker')),
    source_ref TEXT NOT NULL,
    kind TEXT NOT NULL,
    form TEXT NOT NULL CHECK (form IN ('funds','goods','services')),
    amount BIGINT NOT NULL CHECK (amount > 0),
    committed BIGINT NOT NULL DEFAULT 0 CHECK (committed >= 0 AND committed <= amount),
    delivered BIGINT NOT NULL DEFAULT 0 CHECK (delivered >= 0 AND delivered <= committed),
    urgency BIGINT NOT NULL,
    township TEXT NOT NULL,
    category TEXT NOT NULL,
    covering_aid TEXT NOT NULL,
    state TEXT NOT NULL DEFAULT 'open' CHECK (state IN ('open','met','done_by_others','no_longer_needed','duplicate')),
    note TEXT NOT NULL DEFAULT '',
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    closed_by TEXT REFERENCES users(id),
    closed_at BIGINT,
    UNIQUE (household_id, source, source_ref, kind)
);
CREATE INDEX charity_needs_township ON charity_needs(township, state);

CREATE TABLE charity_matches (
    id TEXT PRIMARY KEY,
    need_id TEXT NOT NULL REFERENCES charity_needs(id),
    resource_id TEXT NOT NULL REFERENCES charity_resources(id),
    units BIGINT NOT NULL CHECK (units > 0),
    state TEXT NOT NULL CHECK (state IN ('proposed','accepted','declined','delivered','done_by_others','no_longer_needed','duplicate')),
    note TEXT NOT NULL DEFAULT '',
    assistance_id TEXT REFERENCES assistance(id),
    created_by TEXT NOT NULL REFERENCES users(id),
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL
);
CREATE INDEX charity_matches_need ON charity_matches(need_id);
CREATE INDEX charity_matches_resource ON charity_matches(resource_id);
