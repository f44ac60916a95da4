-- Queries over a fleet's JSONL (docs/fleet.md), for DuckDB. Run them from the directory that holds fleet/:
--   duckdb -f docs/fleet.sql        or paste a block into the duckdb shell after the first two.
-- Each block starts with a "-- name:" line; scripts/fleet-check.py runs every block over the fixtures' JSONL
-- and checks its result against the tool's own totals, and docs/fleet.md quotes the blocks word for word.

-- name: connections
-- One row per connection, from every sensor's files. The sensor is the directory the file lies in; a connection
-- is known by (file, id), since ids count from 1 in each analyze run. A file written with --hosts ends with a
-- {"hosts": [...]} line, which has no id.
CREATE OR REPLACE VIEW connections AS
SELECT regexp_extract(filename, '([^/]+)/[^/]+$', 1) AS sensor, *
FROM read_ndjson('fleet/*/*.jsonl', filename = true, union_by_name = true)
WHERE id IS NOT NULL;

-- name: endpoint
-- address:port, with an IPv6 address in brackets.
CREATE OR REPLACE MACRO endpoint(e) AS
    CASE WHEN contains(e.address, ':') THEN '[' || e.address || ']:' || e.port ELSE e.address || ':' || e.port END;

-- name: instances
-- How many times a finding happened: 1, or for the last listed one of a code on a connection that had more than
-- 100 (docs/findings.md), 1 + the "(and N more CODE not listed)" that closes its detail. The detail is the only
-- place the JSONL carries those N; they are in the tool's totals.
CREATE OR REPLACE MACRO instances(f) AS
    1 + coalesce(TRY_CAST(regexp_extract(f.detail, '\(and (\d+) more [a-z0-9-]+ not listed\)$', 1) AS BIGINT), 0);

-- name: sensors
-- What each sensor sent: files, connections, resets, findings and the time they span.
SELECT sensor,
       count(DISTINCT filename) AS files,
       count(*) AS connections,
       count(*) FILTER (WHERE close.kind = 'reset') AS resets,
       coalesce(sum(list_sum([instances(f) FOR f IN findings])), 0) AS findings,
       min(start_iso) AS first_start,
       max(end_iso) AS last_end
FROM connections
GROUP BY sensor
ORDER BY sensor;

-- name: resets_by_server
-- Which servers see connections end in a RST, and who sent it: the server itself (refused, aborted by the
-- application) or its clients.
SELECT endpoint(server) AS server,
       count(*) AS resets,
       count(*) FILTER (WHERE close.rst_sender = 'server') AS by_server,
       count(*) FILTER (WHERE close.rst_sender = 'client') AS by_client,
       count(DISTINCT client.address) AS clients,
       string_agg(DISTINCT sensor, ',' ORDER BY sensor) AS sensors
FROM connections
WHERE close.kind = 'reset'
GROUP BY ALL
ORDER BY resets DESC, server;

-- name: time_wait_reuse_by_host
-- Which hosts open a new connection on a 4-tuple still in TIME_WAIT (the host that sent the new SYN), towards how
-- many servers, and how often the reused connection then saw an old incarnation's segment.
SELECT CASE f.sender WHEN 'server' THEN server.address ELSE client.address END AS host,
       count(*) AS reuses,
       count(DISTINCT endpoint(server)) AS servers,
       count(*) FILTER (WHERE list_contains([g.code FOR g IN findings], 'old-incarnation-segment')) AS old_incarnation,
       min(to_timestamp(f.time)) AS first,
       max(to_timestamp(f.time)) AS last,
       string_agg(DISTINCT sensor, ',' ORDER BY sensor) AS sensors
FROM connections, unnest(findings) AS u(f)
WHERE f.code = 'time-wait-reuse'
GROUP BY ALL
ORDER BY reuses DESC, host;

-- name: slowest_handshakes
-- The ten longest handshakes (the client's SYN to its ACK of the SYN-ACK): where, between whom, and when.
SELECT sensor, endpoint(client) AS client, endpoint(server) AS server, start_iso AS start,
       handshake.rtt AS rtt, handshake.syn_count AS syns, handshake.synack_count AS synacks
FROM connections
WHERE handshake.rtt IS NOT NULL
ORDER BY rtt DESC, sensor, filename, id
LIMIT 10;

-- name: top_findings_per_day
-- The findings of each day (UTC), most frequent first: rank 1 is the day's top finding. Those past the cap of 100
-- per code and connection count on the day of the last listed one.
SELECT CAST(to_timestamp(f.time) AT TIME ZONE 'UTC' AS DATE) AS day,
       f.code AS code,
       f.severity AS severity,
       sum(instances(f)) AS findings,
       count(DISTINCT (filename, id)) AS connections,
       count(DISTINCT sensor) AS sensors,
       rank() OVER (PARTITION BY day ORDER BY sum(instances(f)) DESC) AS rank
FROM connections, unnest(findings) AS u(f)
GROUP BY day, code, severity
ORDER BY day DESC, rank, code;
