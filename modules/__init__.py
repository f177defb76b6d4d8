"""Components of the dpa-guard Pulumi program: one ComponentResource per file."""
