from icecheck.cli import main

main()
