-- CockroachDB only. Phase 0 has one node: replication factor 1, so no range is under-replicated.
ALTER RANGE default CONFIGURE ZONE USING num_replicas = 1;
ALTER DATABASE system CONFIGURE ZONE USING num_replicas = 1;
ALTER RANGE meta CONFIGURE ZONE USING num_replicas = 1;
ALTER RANGE system CONFIGURE ZONE USING num_replicas = 1;
ALTER RANGE liveness CONFIGURE ZONE USING num_replicas = 1;
