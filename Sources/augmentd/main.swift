import AugmentdCLI

AugmentdCommand.main()
