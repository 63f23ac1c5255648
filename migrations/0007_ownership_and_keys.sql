ALTER TABLE "api_keys" ADD COLUMN "label" text;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "expires_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "api_keys" ADD COLUMN "last_used_at" timestamp with time zone;--> statement-breakpoint
ALTER TABLE "entities" ADD COLUMN "owner" text;--> statement-breakpoint
-- API keys are never deleted, only revoked: that a key has ever existed is what keeps auth on in embedded mode
-- (an empty table would turn it off), and the rows are the record of who could act when. Written by hand below
-- the generated statements, like the triggers of 0001.
CREATE FUNCTION api_keys_keep() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'API keys cannot be deleted: revoke them instead (npm run keys -- revoke --id N, or revokeApiKey)'
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER api_keys_no_delete
  BEFORE DELETE ON api_keys
  FOR EACH ROW EXECUTE FUNCTION api_keys_keep();
--> statement-breakpoint
CREATE TRIGGER api_keys_no_truncate
  BEFORE TRUNCATE ON api_keys
  FOR EACH STATEMENT EXECUTE FUNCTION api_keys_keep();
