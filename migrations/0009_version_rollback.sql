-- Rollback: a DEPRECATED version may become ACTIVE again before its sunset, with the sunset cleared. Every
-- other backward move is still refused, and a version whose sunset has passed is RETIRED, which is final.
-- The rest of the guard (immutable definition, no DELETE) is unchanged from 0001_registry_triggers.
CREATE OR REPLACE FUNCTION feature_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
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
  IF OLD.status = 'DEPRECATED' AND NEW.status = 'ACTIVE' THEN
    IF OLD.sunset_at IS NOT NULL AND OLD.sunset_at <= now() THEN
      RAISE EXCEPTION 'feature version %@% is RETIRED (its sunset % has passed): RETIRED is final', OLD.feature, OLD.version, OLD.sunset_at
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
    IF NEW.sunset_at IS NOT NULL THEN
      RAISE EXCEPTION 'feature version %@% can move from DEPRECATED back to ACTIVE only with its sunset cleared', OLD.feature, OLD.version
        USING ERRCODE = 'integrity_constraint_violation';
    END IF;
  ELSIF new_rank < old_rank THEN
    RAISE EXCEPTION 'feature version %@% cannot move from % back to %: status only moves forward (except DEPRECATED to ACTIVE before the sunset)', OLD.feature, OLD.version, OLD.status, NEW.status
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  RETURN NEW;
END;
$$;
