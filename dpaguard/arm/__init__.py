"""ARM templates from a plan (`dpaguard arm`) and checkov over them (`dpaguard scan`).

- `catalog`: which azure-native type token is which ARM resource type, how its name is built
  from the path parameters and where azure-native flattened or renamed ARM properties.
- `api_versions.json`: the ARM API version the installed azure-native SDK uses per token,
  generated from the SDK's docstrings by `python -m dpaguard.arm.sdk --write`.
- `render`: plan resources -> one subscription-scope ARM template.
- `checkov`: run the pinned checkov (its own environment, .tools/checkov) as a subprocess.
- `scan`: both engines side by side, and the report formats of `dpaguard scan`.
"""
