package dev.hlsmesh.tracker;

import static dev.hlsmesh.tracker.TrackerTesting.config;
import static dev.hlsmesh.tracker.TrackerTesting.stats;
import static org.assertj.core.api.Assertions.assertThat;

import dev.hlsmesh.protocol.tracker.Announce;
import dev.hlsmesh.protocol.tracker.AnnounceResponse;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.ViewerReport;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Announces carrying the hlsmesh viewer report ({@code x_hlsmesh}) through a real tracker. */
class ViewerReportTest {
  private static final BinaryId SWARM = BinaryId.ofAscii("report-swarm-0000001");

  @Test
  void reportOnlyAnnounceGetsTheNormalResponseAndRelaysNothing() {
    try (Tracker tracker = Tracker.start(config().build());
        TestPeer a = TestPeer.connect(tracker, "a");
        TestPeer b = TestPeer.connect(tracker, "b")) {
      a.announce(SWARM, List.of());
      b.announce(SWARM, TestPeer.offers(0));

      a.send(Announce.reportOnly(SWARM, a.peerId, new ViewerReport(100, 300, 50, 1, 20, 1)));

      assertThat(a.next(AnnounceResponse.class))
          .isEqualTo(AnnounceResponse.of(SWARM, 0, 2, tracker.config().announceIntervalSeconds()));
      a.assertNothingElseReceived();
      b.assertNothingElseReceived();
      assertThat(stats(tracker).get("rejections").get("invalid_report").asLong()).isZero();
    }
  }

  @Test
  void malformedReportIsCountedAndTheAnnounceStillSucceeds() {
    try (Tracker tracker = Tracker.start(config().build());
        TestPeer a = TestPeer.connect(tracker, "a")) {
      a.ws.send("{\"action\":\"announce\",\"info_hash\":\"" + SWARM.toWireString()
          + "\",\"peer_id\":\"" + a.peerId.toWireString() + "\",\"event\":\"started\","
          + "\"numwant\":0,\"x_hlsmesh\":{\"v\":1,\"cdn\":-1}}");

      assertThat(a.next(AnnounceResponse.class))
          .isEqualTo(AnnounceResponse.of(SWARM, 0, 1, tracker.config().announceIntervalSeconds()));
      assertThat(a.scrape(SWARM).incomplete()).isEqualTo(1);
      assertThat(stats(tracker).get("rejections").get("invalid_report").asLong()).isEqualTo(1);
      assertThat(stats(tracker).get("rejections").get("invalid_message").asLong()).isZero();
    }
  }
}
