"""The offline engine: runs the Pulumi program under mocks and turns what it registers into a plan."""
