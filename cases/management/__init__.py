"""The domain's command-line edge: management commands (`commands/`) and the demo's workflow
steps they seed (`demo_workflow.py`), all through the capabilities' services."""
