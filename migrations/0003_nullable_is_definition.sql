-- `nullable` is part of a version's definition, so the immutability guard covers it too.
CREATE OR REPLACE FUNCTION feature_versions_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  old_rank int;
  new_rank int;
BEGIN
  IF TG_OP = 'DELETE' THEN
    RAISE EXCEPTION 'feature version %@% cannot be deleted: versions are immutable; deprecate it instead', OLD.feature, OLD.version
      USING ERRCODE = 'integrity_constraint_violation';
  END IF;
  IF (NEW.feature, NEW.version, NEW.value_type, NEW."window", NEW.max_age, NEW.aggregation, NEW.description, NEW.nullable, NEW.definition_hash, NEW.created_at)
     IS DISTINCT FROM
     (OLD.feature, OLD.version, OLD.value_type, OLD."window", OLD.max_age, OLD.aggregation, OLD.description, OLD.nullable, OLD.definition_hash, OLD.created_at) THEN
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
