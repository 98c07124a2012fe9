package dev.hlsmesh.tracker;

import static dev.hlsmesh.tracker.TestPeer.offers;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.hlsmesh.protocol.tracker.Announce;
import dev.hlsmesh.protocol.tracker.AnnounceEvent;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.protocol.tracker.Failure;
import dev.hlsmesh.protocol.tracker.RelayedOffer;
import dev.hlsmesh.protocol.tracker.Scrape;
import dev.hlsmesh.protocol.tracker.TrackerAction;
import dev.hlsmesh.testsupport.ManualClock;
import dev.hlsmesh.tracker.access.JoinGrant;
import dev.hlsmesh.tracker.access.JoinTokens;
import dev.hlsmesh.tracker.config.JoinTokenKey;
import dev.hlsmesh.tracker.config.TrackerConfig;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Join tokens, the Origin allow-list and the connection cap, against a real tracker. */
class TrackerAccessTest {
  private static final BinaryId ALLOWED = BinaryId.ofAscii("D2L6qLdcAO0vh07WoiT4");
  private static final BinaryId OTHER = BinaryId.ofAscii("otherswarm-otherswar");
  private static final JoinTokenKey KEY = key("k2026-11", 1);
  private static final JoinTokenKey OLD_KEY = key("k2026-10", 2);

  private final ManualClock clock = new ManualClock();
  private final List<AutoCloseable> resources = new ArrayList<>();
  private Tracker tracker;

  private static JoinTokenKey key(String id, int fill) {
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) fill);
    return new JoinTokenKey(id, secret);
  }

  private Tracker start(TrackerConfig config) {
    tracker = Tracker.start(config, clock);
    return tracker;
  }

  private TrackerConfig.Builder tokens(boolean required) {
    return TrackerTesting.config().requireJoinToken(required).joinTokenKeys(List.of(KEY, OLD_KEY));
  }

  private String token(JoinTokenKey key, JoinGrant grant) {
    return JoinTokens.mint(key, grant, clock.instant());
  }

  private JoinGrant allowedOnly() {
    return JoinGrant.forSwarms(Set.of(ALLOWED), clock.instant().plus(Duration.ofMinutes(5)));
  }

  private TestPeer peer(String name, String token) {
    TestPeer peer = TestPeer.connect(tracker, name, token == null ? "" : "?token=" + token);
    resources.add(peer);
    return peer;
  }

  private long rejections(String key) {
    return TrackerTesting.stats(tracker).path("rejections").path(key).asLong();
  }

  @AfterEach
  void stop() throws Exception {
    for (AutoCloseable r : resources) {
      r.close();
    }
    if (tracker != null) {
      tracker.close();
    }
  }

  @Test
  void upgradesWithoutAValidTokenGet401BeforeTheHandshakeAndAreCountedByReason() {
    start(tokens(true).build());
    String expired = token(KEY, JoinGrant.anySwarm(clock.instant().plus(Duration.ofMinutes(1))));
    clock.advance(Duration.ofMinutes(2));

    RawHttp.Answer missing = RawHttp.upgrade(tracker, "/", null);
    RawHttp.Answer garbage = RawHttp.upgrade(tracker, "/announce?token=garbage", null);
    RawHttp.Answer late = RawHttp.upgrade(tracker, "/?token=" + expired, null);
    RawHttp.Answer foreign = RawHttp.upgrade(tracker, "/?token="
        + token(key("k2026-11", 9), allowedOnly()), null);
    RawHttp.Answer good = RawHttp.upgrade(tracker, "/?token=" + token(KEY, allowedOnly()), null);
    RawHttp.Answer rotated = RawHttp.upgrade(tracker, "/?token=" + token(OLD_KEY, allowedOnly()),
        null);

    assertThat(missing.status()).isEqualTo(401);
    assertThat(missing.text())
        .containsIgnoringCase("WWW-Authenticate: Bearer error=\"invalid_token\"")
        .contains("join token required: connect with ?token=...");
    assertThat(garbage.status()).isEqualTo(401);
    assertThat(garbage.text()).contains("token is not a JWT");
    assertThat(late.status()).isEqualTo(401);
    assertThat(late.text()).contains("token expired");
    assertThat(foreign.status()).isEqualTo(401);
    assertThat(foreign.text()).contains("bad token signature");
    assertThat(good.status()).isEqualTo(101);
    assertThat(rotated.status()).isEqualTo(101);
    assertThat(rejections("token_missing")).isEqualTo(1);
    assertThat(rejections("token_invalid")).isEqualTo(2);
    assertThat(rejections("token_expired")).isEqualTo(1);
  }

  @Test
  void aTokenRestrictsAnnouncesAnswersAndScrapesToItsSwarms() {
    start(tokens(true).build());
    TestPeer a = peer("a", token(KEY, allowedOnly()));
    TestPeer b = peer("b", token(KEY, allowedOnly()));
    TestPeer any = peer("any", token(KEY,
        JoinGrant.anySwarm(clock.instant().plus(Duration.ofMinutes(5)))));

    a.announce(ALLOWED, List.of());
    b.send(Announce.of(OTHER, b.peerId, AnnounceEvent.STARTED, offers(1)));
    Failure denied = b.next(Failure.class);
    b.send(new Scrape(List.of(ALLOWED, OTHER)));
    Failure deniedScrape = b.next(Failure.class);
    any.announce(OTHER, List.of());
    assertThat(b.announce(ALLOWED, offers(1)).incomplete()).isEqualTo(2);
    RelayedOffer offer = a.next(RelayedOffer.class);

    assertThat(denied).isEqualTo(new Failure("your join token does not allow this swarm",
        TrackerAction.ANNOUNCE, OTHER));
    assertThat(deniedScrape.action()).isEqualTo(TrackerAction.SCRAPE);
    assertThat(deniedScrape.reason())
        .isEqualTo("your join token does not allow every swarm of this scrape");
    assertThat(offer.peerId()).isEqualTo(b.peerId);
    assertThat(a.scrape(ALLOWED).incomplete()).isEqualTo(2);
    assertThat(rejections("token_swarm_denied")).isEqualTo(2);
  }

  @Test
  void optionalTokensLetClientsWithoutOneInButStillRefuseBadOnes() {
    start(tokens(false).build());
    TestPeer anonymous = peer("anon", null);

    assertThat(anonymous.announce(OTHER, List.of()).incomplete()).isEqualTo(1);
    assertThat(RawHttp.upgrade(tracker, "/?token=garbage", null).status()).isEqualTo(401);
  }

  @Test
  void aTrackerWithoutKeysIgnoresTokens() {
    start(TrackerTesting.config().build());
    TestPeer peer = peer("p", "whatever");
    assertThat(peer.announce(OTHER, List.of()).incomplete()).isEqualTo(1);
  }

  @Test
  void browsersFromOriginsOutsideTheAllowListGet403() {
    start(TrackerTesting.config()
        .allowedOrigins(List.of("https://player.example.com", "http://localhost:8080")).build());

    assertThat(RawHttp.upgrade(tracker, "/", "https://evil.example").status()).isEqualTo(403);
    assertThat(RawHttp.upgrade(tracker, "/", "null").status()).isEqualTo(403);
    assertThat(RawHttp.upgrade(tracker, "/", "https://PLAYER.example.com:443").status())
        .isEqualTo(101);
    assertThat(RawHttp.upgrade(tracker, "/", "http://localhost:8080").status()).isEqualTo(101);
    assertThat(RawHttp.upgrade(tracker, "/", null).status()).isEqualTo(101);
    assertThat(rejections("origin_denied")).isEqualTo(2);
  }

  @Test
  void upgradesBeyondMaxConnectionsGet503UntilAConnectionCloses() {
    start(TrackerTesting.config().maxConnections(2).build());
    TestPeer first = peer("first", null);
    peer("second", null);

    assertThat(RawHttp.upgrade(tracker, "/", null).status()).isEqualTo(503);
    first.close();
    await().atMost(Duration.ofSeconds(60))
        .until(() -> RawHttp.upgrade(tracker, "/", null).status() == 101);
    assertThat(rejections("too_many_connections")).isGreaterThanOrEqualTo(1);
  }
}
