from parkcrm.cli import main

if __name__ == "__main__":  # a helper process (parkcrm.helper) imports this module too
    main()
