"""Resource presets: a service names an AWS resource (`resources:` in alarm_specs/*.yaml) and gets the alarms
AWS recommends for its type, from the catalog in vigil/data/presets/ (one YAML file per type)."""
