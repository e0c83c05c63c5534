//! The Lua scripts: each runs atomically on the server, so every
//! check-then-write on the lease or the record is one step.

use once_cell::sync::Lazy;
use redis::Script;

/// `SET NX PX`, or a lease this owner already holds (a repeated attempt whose
/// first answer was lost): 1 when the caller holds the lease now.
pub(super) static ACQUIRE: Lazy<Script> = Lazy::new(|| {
    Script::new(
        r"
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
return 0
",
    )
});

/// Extends the lease only for its owner.
pub(super) static RENEW: Lazy<Script> = Lazy::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
",
    )
});

/// Deletes the lease only for its owner.
pub(super) static RELEASE: Lazy<Script> = Lazy::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
",
    )
});

/// Compare-and-swap on `concur_auth_revision`, fenced by the refresh lease.
/// KEYS: the record, the lease. ARGV: expected revision (empty: the key must
/// be absent), the new record, `1` when repeating an attempt whose answer was
/// lost (then finding exactly the new record counts as done), and the
/// caller's lease owner value (empty: the caller holds none, and then nobody
/// may). Returns {1, previous} when saved, {0, current or -1} on a mismatch,
/// {2, -1} when the stored value is not a JSON object, {3, -1} when the
/// caller does not hold the lease.
pub(super) static COMPARE_AND_SET: Lazy<Script> = Lazy::new(|| {
    Script::new(
        r"
local holder = redis.call('GET', KEYS[2])
if ARGV[4] == '' then
  if holder then return {3, -1} end
elseif holder ~= ARGV[4] then
  return {3, -1}
end
local current = redis.call('GET', KEYS[1])
if not current then
  if ARGV[1] == '' then
    redis.call('SET', KEYS[1], ARGV[2])
    return {1, -1}
  end
  return {0, -1}
end
if ARGV[3] == '1' and current == ARGV[2] then return {1, -1} end
local ok, record = pcall(cjson.decode, current)
if not ok or type(record) ~= 'table' then return {2, -1} end
local revision = tonumber(record['concur_auth_revision']) or 0
if revision < 0 then revision = 0 end
revision = math.floor(revision)
if ARGV[1] ~= '' and tonumber(ARGV[1]) == revision then
  redis.call('SET', KEYS[1], ARGV[2])
  return {1, revision}
end
return {0, revision}
",
    )
});

/// Renames the record to KEYS[2] if it still is ARGV[1].
pub(super) static MOVE_ASIDE: Lazy<Script> = Lazy::new(|| {
    Script::new(
        r"
if redis.call('GET', KEYS[1]) == ARGV[1] then
  redis.call('RENAME', KEYS[1], KEYS[2])
  return 1
end
return 0
",
    )
});
