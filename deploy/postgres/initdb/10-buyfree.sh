#!/bin/sh
# Runs once, when the postgres container starts on an empty volume
# (/docker-entrypoint-initdb.d): creates the application's login role and its
# database, owned by that role, in the business time zone. The superuser is
# for operators only; the app, the migration and the scheduler use this role.
#
# APP_DB_NAME, APP_DB_USER, APP_DB_PASSWORD come from the environment (.env).
set -eu
: "${APP_DB_NAME:=buyfree}"
: "${APP_DB_USER:=buyfree}"
: "${APP_DB_PASSWORD:?set APP_DB_PASSWORD (see .env.example)}"
: "${APP_DB_TIMEZONE:=Asia/Shanghai}"

# psql variables (:"name" quotes an identifier, :'name' a literal): no value is pasted into SQL text.
psql -v ON_ERROR_STOP=1 --no-psqlrc --username "${POSTGRES_USER:-postgres}" --dbname "${POSTGRES_DB:-postgres}" \
     -v app_db="$APP_DB_NAME" -v app_user="$APP_DB_USER" -v app_password="$APP_DB_PASSWORD" \
     -v app_tz="$APP_DB_TIMEZONE" <<'SQL'
SELECT format('CREATE ROLE %I LOGIN PASSWORD %L', :'app_user', :'app_password')
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = :'app_user') \gexec
SELECT format('CREATE DATABASE %I OWNER %I ENCODING %L TEMPLATE template0', :'app_db', :'app_user', 'UTF8')
 WHERE NOT EXISTS (SELECT 1 FROM pg_database WHERE datname = :'app_db') \gexec
ALTER DATABASE :"app_db" SET timezone TO :'app_tz';
REVOKE ALL ON DATABASE :"app_db" FROM PUBLIC;
GRANT CONNECT, TEMPORARY ON DATABASE :"app_db" TO :"app_user";
SQL
echo "buyfree: role $APP_DB_USER and database $APP_DB_NAME are ready"
