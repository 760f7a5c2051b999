"""dpfit's inputs: YAML files checked against one JSON Schema, layered (defaults, convention,
overlay, ``--set``), resolved once into typed records."""
