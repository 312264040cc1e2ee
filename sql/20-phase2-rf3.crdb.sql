-- CockroachDB only. Phase 2 has three nodes: replication factor 3, for the user ranges and
-- the system ranges (which default to 5 but follow these zones on a small cluster).
ALTER RANGE default CONFIGURE ZONE USING num_replicas = 3;
ALTER DATABASE system CONFIGURE ZONE USING num_replicas = 3;
ALTER RANGE meta CONFIGURE ZONE USING num_replicas = 3;
ALTER RANGE system CONFIGURE ZONE USING num_replicas = 3;
ALTER RANGE liveness CONFIGURE ZONE USING num_replicas = 3;
