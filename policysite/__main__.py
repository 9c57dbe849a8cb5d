"""`python -m policysite`: the same as the policysite command."""

from policysite.cli import run

if __name__ == "__main__":
    run()
