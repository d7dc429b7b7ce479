"""Workflow Builder steps: deploy, roll back, environment status and wait for a deployment, as custom
steps a team composes in Slack's Workflow Builder. Start with `steps.py` (a run: recorded once, acted as
the person of its user context through the same use cases as a button, completed once).

    inputs.py   a step's inputs, read as hostile as a command's arguments
    outputs.py  a run's outputs, escaped, and the words of an action that did not run
    steps.py    the use cases: a run started, a waiting run followed until it ends
    ports.py    the runs kept, and Slack's completion of a run
"""

from bot.steps.inputs import STEPS, StepInputs
from bot.steps.ports import Completions, StepRun, StepRuns
from bot.steps.steps import FOLLOW_JOB, Execution, Steps

__all__ = ["FOLLOW_JOB", "STEPS", "Completions", "Execution", "StepInputs", "StepRun", "StepRuns", "Steps"]
