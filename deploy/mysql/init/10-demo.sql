-- Runs once, when the MySQL container starts on an empty volume.
-- The demo data comes from the demo-data service (retention demo --sql).
USE shop;
SOURCE /seed/demo.sql;

-- All the job needs: a read-only account. (Demo password.)
CREATE USER 'retention'@'%' IDENTIFIED BY 'retention-demo-only';
GRANT SELECT ON shop.* TO 'retention'@'%';
-- The snapshot store: a separate database the job may write. (Demo password.)
CREATE DATABASE retention_history CHARACTER SET utf8mb4;
CREATE USER 'retention_writer'@'%' IDENTIFIED BY 'retention-demo-only';
GRANT SELECT, INSERT, CREATE ON retention_history.* TO 'retention_writer'@'%';
