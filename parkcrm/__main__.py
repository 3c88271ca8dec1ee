from parkcrm.cli import main

main()
