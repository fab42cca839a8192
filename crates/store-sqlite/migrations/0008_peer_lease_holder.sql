-- A peer's lease names its holder (one round of one process), so the holder can renew it while
-- the round runs and only the holder gives it back; a lease is short and a dead holder's
-- expires soon.
ALTER TABLE peers ADD COLUMN lease_holder TEXT;
