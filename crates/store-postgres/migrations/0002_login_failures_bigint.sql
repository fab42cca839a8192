-- Failed-login counters saturate at simpul_core::store::rows::MAX_FAILURE_COUNT (u32::MAX), as SQLite's
-- do; INTEGER stops at 2^31 - 1, so the column is widened.
ALTER TABLE login_failures ALTER COLUMN count TYPE BIGINT;
