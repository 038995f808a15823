"""The demo meet that ``athsys up`` loads in development, so the UI has something to show."""

from athsys.demo.meet import DEMO_COMPETITION_NAME, DemoSummary, load_demo_meet

__all__ = ["DEMO_COMPETITION_NAME", "DemoSummary", "load_demo_meet"]
