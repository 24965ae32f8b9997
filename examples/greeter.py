"""A small example to try aix-lsp on: `aix-lsp complete examples/greeter.py:14:9`."""

import sys


class Greeter:
    def __init__(self, name: str) -> None:
        self.name = name

    def greet(self) -> str:
        return f"hello, {self.name}"

    def shout(self) -> str:
        
        return self.greet().upper()


def main(argv: list[str]) -> int:
    greeter = Greeter(argv[1] if len(argv) > 1 else "world")
    print(greeter.greet())
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
