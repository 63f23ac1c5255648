-- Feature versions are immutable: the database itself refuses to change a definition or drop a version,
-- so no code path (nor a hand-written UPDATE) can change what a consumer was trained on.
-- Only the lifecycle columns move, and status only forward: DRAFT -> ACTIVE -> DEPRECATED -> RETIRED.
CREATE FUNCTION feature_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_rank int;
  new_rank int;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'feature version %@% cannot be deleted: versions are immutable; deprecate it instead', OLD.feature, OLD.version
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF (NEW.feature, NEW.version, NEW.value_type, NEW."window", NEW.max_age, NEW.aggregation, NEW.description, NEW.definition_hash, NEW.created_at)
     IS DISTINCT FROM
     (OLD.feature, OLD.version, OLD.value_type, OLD."window", OLD.max_age, OLD.aggregation, OLD.description, OLD.definition_hash, OLD.created_at) THEN
    RAISE EXCEPTION 'feature version %@% is immutable: register a new version instead of changing its definition', OLD.feature, OLD.version
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  old_rank := array_position(ARRAY['DRAFT', 'ACTIVE', 'DEPRECATED', 'RETIRED'], OLD.status);
  new_rank := array_position(ARRAY['DRAFT', 'ACTIVE', 'DEPRECATED', 'RETIRED'], NEW.status);
  IF new_rank < old_rank THEN
    RAISE EXCEPTION 'feature version %@% cannot move from % back to %: status only moves forward', OLD.feature, OLD.version, OLD.status, NEW.status
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
--> statement-breakpoint
CREATE TRIGGER feature_versions_immutable
  BEFORE UPDATE OR DELETE ON feature_versions
  FOR EACH ROW EXECUTE FUNCTION feature_versions_guard();
--> statement-breakpoint
-- TRUNCATE skips row triggers, so it gets a statement trigger of its own.
CREATE FUNCTION feature_versions_no_truncate() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  RAISE EXCEPTION 'feature_versions cannot be truncated: versions are immutable'
    USING ERRCODE = 'integrity_constraint_violation';
END;
$$;
--> statement-breakpoint
CREATE TRIGGER feature_versions_no_truncate
  BEFORE TRUNCATE ON feature_versions
  FOR EACH STATEMENT EXECUTE FUNCTION feature_versions_no_truncate();
--> statement-breakpoint
-- Every registry change, however it is made, tells every service instance to drop its cached view of the
-- registry (LISTEN registry_changed). The notification is sent at commit, so listeners never see a change
-- that rolls back.
CREATE FUNCTION registry_changed_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
  PERFORM pg_notify('registry_changed', TG_TABLE_NAME);
  RETURN NULL;
END;
$$;
--> statement-breakpoint
DO $$
DECLARE
  t text;
BEGIN
  FOREACH t IN ARRAY ARRAY['entities', 'features', 'feature_versions', 'producers', 'consumers', 'producer_bindings', 'consumer_bindings'] LOOP
    EXECUTE format(
      'CREATE TRIGGER %I AFTER INSERT OR UPDATE OR DELETE ON %I FOR EACH STATEMENT EXECUTE FUNCTION registry_changed_notify()',
      t || '_changed', t);
  END LOOP;
END;
$$;
