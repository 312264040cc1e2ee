-- CockroachDB only. A full backup to node 1's local store before each phase change.
BACKUP INTO 'nodelocal://1/backups' AS OF SYSTEM TIME '-10s';
