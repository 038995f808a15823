#!/bin/sh
# Run once by the postgres image on an empty data directory (/docker-entrypoint-initdb.d/),
# as the superuser: creates the application's login role and its database, owned by it.
# The application never connects as a superuser; as the database's owner it may run the
# migrations (CREATE in the public schema, which PostgreSQL 15+ grants only to the owner).
#
# Environment: ATHSYS_DB_USER, ATHSYS_DB_PASSWORD, ATHSYS_DB_NAME (docker-compose.prod.yml).
set -eu

: "${ATHSYS_DB_USER:?set ATHSYS_DB_USER}"
: "${ATHSYS_DB_PASSWORD:?set ATHSYS_DB_PASSWORD}"
: "${ATHSYS_DB_NAME:?set ATHSYS_DB_NAME}"

# psql variables (:'name' quotes a literal, :"name" an identifier): no value is spliced
# into SQL text by the shell
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-postgres}" --dbname postgres \
     -v app_user="$ATHSYS_DB_USER" -v app_password="$ATHSYS_DB_PASSWORD" \
     -v app_db="$ATHSYS_DB_NAME" <<'SQL'
CREATE ROLE :"app_user" LOGIN PASSWORD :'app_password'
    NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS;
CREATE DATABASE :"app_db" OWNER :"app_user";
REVOKE ALL ON DATABASE :"app_db" FROM PUBLIC;
SQL
