-- HelloWord's store on PostgreSQL: the same ordered key-value trees as on sled
-- (crates/store/src/lib.rs lists them and their key layouts). bytea compares byte by byte,
-- the order sled keeps, so range and prefix scans agree between the two backends.
CREATE TABLE hw_kv (
    tree  text  NOT NULL,
    key   bytea NOT NULL,
    value bytea NOT NULL,
    PRIMARY KEY (tree, key)
);

-- Ids for inbox records, timeline entries, proposals, actions and timers, unique across
-- every gateway on this database.
CREATE SEQUENCE hw_ids START WITH 1;
