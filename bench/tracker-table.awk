# Turns the RESULT lines of bench/tracker.sh into the Markdown tables of docs/benchmarks.md.
#   awk -f bench/tracker-table.awk bench-results/tracker-*.txt
/^RESULT / {
  delete r
  for (i = 2; i <= NF; i++) { split($i, kv, "="); r[kv[1]] = kv[2] }
  key = r["label"] "/" r["mode"]
  if (r["mode"] == "idle") {
    idle[++nidle] = sprintf("| %s | %s of %s | %s | %s | %s | %s |", r["label"], r["open_after_hold"],
      r["connections"], r["hold_seconds"], r["tracker_heap_after_gc_mib"], r["tracker_max_heap_mib"],
      r["tracker_rss_mib"])
    # the two sizes of one tracker, smaller first, give the heap per connection
    l = r["label"]
    if (!(l in n1)) { n1[l] = r["open_after_hold"]; h1[l] = r["tracker_heap_after_gc_mib"]; s1[l] = r["tracker_rss_mib"] }
    else { n2[l] = r["open_after_hold"]; h2[l] = r["tracker_heap_after_gc_mib"]; s2[l] = r["tracker_rss_mib"]; labels[l] = 1 }
    next
  }
  per_cpu = (r["tracker_cpu_cores"] > 0) ? sprintf("%.0f", r["messages_per_s"] / r["tracker_cpu_cores"]) : "NA"
  load[++nload] = sprintf("| %s | %s | %s | %s | %s | %s | %s / %s | %s / %s | %s | %s | %s | %s | %s | %s |",
    r["label"], r["mode"] (r["mode"] == "rate" ? " " r["target_announces_per_s"] "/s" : ""),
    r["messages_per_s"], r["announces_per_s"], r["offers_relayed_per_s"], r["answers_relayed_per_s"],
    r["offer_p50_ms"], r["offer_p99_ms"], r["answer_p50_ms"], r["answer_p99_ms"],
    r["tracker_cpu_cores"], per_cpu, r["generator_cpu_cores"], r["tracker_heap_after_gc_mib"], r["tracker_rss_mib"],
    r["failures"] "/" r["offers_expired"] "/" r["paced_sends_skipped"] "/" r["closed_by_tracker"])
  if (r["mode"] == "peak") {
    l = r["label"]
    peaks[l, ++npeak[l]] = r["messages_per_s"] + 0
    if (per_cpu != "NA") percpus[l, ++npercpu[l]] = per_cpu + 0
  }
  if (r["mode"] == "rate") { l = r["label"]; p99s[l, ++np99[l]] = (r["offer_p99_ms"] > r["answer_p99_ms"] ? r["offer_p99_ms"] : r["answer_p99_ms"]) + 0 }
}
function median(arr, l, n,    i, j, t, v) {
  for (i = 1; i <= n; i++) v[i] = arr[l, i]
  for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
  return (n % 2) ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
}
END {
  for (l in npeak) {
    peak[l] = median(peaks, l, npeak[l])
    peakcpu[l] = (l in npercpu) ? median(percpus, l, npercpu[l]) : "NA"
  }
  print "| tracker | mode | responses/s (all messages received) | announces/s | offers relayed/s | answers relayed/s | offer relay p50 / p99 ms | answer relay p50 / p99 ms | tracker CPU (cores) | messages per tracker CPU-second | load generator CPU (cores) | heap after GC MiB | RSS MiB | failures / expired offers / skipped sends / closed |"
  print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
  for (i = 1; i <= nload; i++) print load[i]
  print ""
  for (l in npeak) {
    printf "%s: median of %d peak runs %.0f responses/s, %s messages per tracker CPU-second", l, npeak[l], peak[l], peakcpu[l] == "NA" ? "NA" : sprintf("%.0f", peakcpu[l])
    if (l in np99) printf "; relay p99 at half of peak (median of %d, worse of offer/answer): %.1f ms", np99[l], median(p99s, l, np99[l])
    printf "\n"
  }
  if (("bittorrent-tracker" in peak) && peak["bittorrent-tracker"] > 0) {
    for (l in peak) {
      if (l == "bittorrent-tracker") continue
      printf "Ratio %s / bittorrent-tracker (medians at peak): %.2fx responses/s", l, peak[l] / peak["bittorrent-tracker"]
      if (peakcpu[l] != "NA" && peakcpu["bittorrent-tracker"] != "NA" && peakcpu["bittorrent-tracker"] > 0)
        printf ", %.2fx messages per tracker CPU-second", peakcpu[l] / peakcpu["bittorrent-tracker"]
      printf "\n"
    }
  }
  if (nidle > 0) {
    print ""
    print "| tracker | idle connections open after the hold | hold s | heap after full GC MiB | max heap MiB | RSS MiB |"
    print "|---|---|---|---|---|---|"
    for (i = 1; i <= nidle; i++) print idle[i]
    if (target == "") target = 50000
    for (l in labels) {
      if (n2[l] > n1[l] && h1[l] != "NA" && h2[l] != "NA") {
        slope = (h2[l] - h1[l]) / (n2[l] - n1[l])
        rslope = (s2[l] - s1[l]) / (n2[l] - n1[l])
        printf "\n%s: %.2f KiB heap and %.2f KiB RSS per idle connection (between %d and %d connections);" \
          " at %d connections: heap %.0f MiB, RSS %.0f MiB (extrapolated)\n", l, slope * 1024, rslope * 1024,
          n1[l], n2[l], target, h2[l] + slope * (target - n2[l]), s2[l] + rslope * (target - n2[l])
      }
    }
  }
}
