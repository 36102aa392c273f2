-- Runs once, when the MySQL container starts on an empty volume.
-- The demo data comes from the demo-data service (retention demo --sql).
USE shop;
SOURCE /seed/demo.sql;

-- All the job needs: a read-only account. (Demo password.)
CREATE USER 'retention'@'%' IDENTIFIED BY 'retention-demo-only';
GRANT SELECT ON shop.* TO 'retention'@'%';
