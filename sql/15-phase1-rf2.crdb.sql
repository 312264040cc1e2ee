-- CockroachDB only. Phase 1 has two nodes: replication factor 2 (no fault tolerance yet:
-- losing either node loses quorum; phase 2 fixes that).
ALTER RANGE default CONFIGURE ZONE USING num_replicas = 2;
ALTER DATABASE system CONFIGURE ZONE USING num_replicas = 2;
ALTER RANGE meta CONFIGURE ZONE USING num_replicas = 2;
ALTER RANGE system CONFIGURE ZONE USING num_replicas = 2;
ALTER RANGE liveness CONFIGURE ZONE USING num_replicas = 2;
