-- Every verification SMS sent, for the daily caps per phone and per client address (issue 17:
-- the one-a-minute limit alone lets a number or an address send 1 440 a day). Rows older than
-- two days are removed as new ones arrive.
CREATE TABLE sms_sends (
    id BIGSERIAL PRIMARY KEY,
    phone TEXT NOT NULL,
    client TEXT NOT NULL,
    sent_at BIGINT NOT NULL
);
CREATE INDEX sms_sends_phone ON sms_sends(phone, sent_at);
CREATE INDEX sms_sends_client ON sms_sends(client, sent_at);
CREATE INDEX sms_sends_sent_at ON sms_sends(sent_at);
