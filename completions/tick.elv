
set edit:completion:arg-completer[tick] = { |@words|
    var index = (count $words)
    set index = (- $index 1)

    put (env _CLAP_IFS="\n" _CLAP_COMPLETE_INDEX=(to-string $index) TICK_COMPLETE="elvish" tick -- $@words) | to-lines
}

