"""One router per resource group: pricing, exotics, calibration, theorems."""
