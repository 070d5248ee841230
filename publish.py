"""Entry point: `python publish.py build | check | validate`. All logic lives in feedpub."""

from feedpub.cli import run

if __name__ == "__main__":
    run()
