-- 政策宣传与监督 (issue 22; Zhangye (十六) 举报监督电话, Liaoning 三(四) 服务热线): the telephone
-- numbers every portal page shows, per region, dated like a parameter (a change is a new row),
-- entered by the system administrator and applying only once a security administrator approved it.
CREATE TABLE public_contacts (
    id BIGSERIAL PRIMARY KEY,
    region_code TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('hotline', 'supervision')),
    number TEXT NOT NULL,
    effective_from TEXT NOT NULL,
    source TEXT NOT NULL,
    example BOOLEAN NOT NULL DEFAULT FALSE,
    created_by TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    approved_by TEXT,
    approved_at BIGINT,
    withdrawn_by TEXT,
    withdrawn_at BIGINT
);
CREATE INDEX public_contacts_region ON public_contacts(region_code);
