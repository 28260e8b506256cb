-- 生活自理能力 as a Tekun roster lists it (全自理 / 半护理 / 全护理): who of a household taken in,
-- never assessed here, may have care services (服务类救助). Health data: sealed as the listing's
-- disability kind is (`caseload.care_need`, SM4-GCM); NULL when the roster did not say.
ALTER TABLE caseload ADD COLUMN care_need TEXT;
