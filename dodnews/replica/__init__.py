"""An offline replica of the DoD/War newsroom whose content changes by epoch (see docs/)."""
