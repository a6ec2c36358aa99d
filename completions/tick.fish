complete --keep-order --exclusive --command tick --arguments "(TICK_COMPLETE=fish tick -- (commandline --current-process --tokenize --cut-at-cursor) (commandline --current-token))"
