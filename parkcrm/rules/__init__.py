"""Rules layer: the YAML rule pack as typed, checked objects."""

from parkcrm.rules.pack import RulePack, default_rules_dir, load_rules, resolve_rules_dir

__all__ = ["RulePack", "default_rules_dir", "load_rules", "resolve_rules_dir"]
