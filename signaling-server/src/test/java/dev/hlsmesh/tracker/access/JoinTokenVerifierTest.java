package dev.hlsmesh.tracker.access;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import dev.hlsmesh.protocol.tracker.BinaryId;
import dev.hlsmesh.testsupport.ManualClock;
import dev.hlsmesh.tracker.access.InvalidJoinTokenException.Reason;
import dev.hlsmesh.tracker.config.JoinTokenKey;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

class JoinTokenVerifierTest {
  private static final JoinTokenKey NEW = key("new", 1);
  private static final JoinTokenKey OLD = key("old", 2);
  private static final BinaryId SWARM = JoinTokens.infoHashOf(
      "v2-https://cdn.example.com/live/channel1/master.m3u8-main-RBJcGgBiOomhLhapF6nbpo2gYEs=");

  private final ManualClock clock = new ManualClock();

  static JoinTokenKey key(String id, int fill) {
    byte[] secret = new byte[32];
    Arrays.fill(secret, (byte) fill);
    return new JoinTokenKey(id, secret);
  }

  private Instant in(Duration d) {
    return clock.instant().plus(d);
  }

  @Test
  void theInfoHashOfAStreamSwarmIsTheOneBrowsersAnnounce() {
    // PROTOCOL.md B.4: this stream swarm id announces as "D2L6qLdcAO0vh07WoiT4".
    assertThat(SWARM).isEqualTo(BinaryId.ofAscii("D2L6qLdcAO0vh07WoiT4"));
  }

  @Test
  void aMintedTokenGrantsItsSwarmsUntilItExpiresUnderEitherRotationKey() throws Exception {
    JoinTokenVerifier verifier = new JoinTokenVerifier(List.of(NEW, OLD), clock);
    JoinGrant grant = JoinGrant.forSwarms(Set.of(SWARM), in(Duration.ofMinutes(10)))
        .withSubject("viewer-42");

    JoinGrant fromNew = verifier.verify(JoinTokens.mint(NEW, grant, clock.instant()));
    JoinGrant fromOld = verifier.verify(JoinTokens.mint(OLD, grant, clock.instant()));

    assertThat(fromNew).isEqualTo(grant);
    assertThat(fromOld).isEqualTo(grant);
    assertThat(fromNew.allows(SWARM)).isTrue();
    assertThat(fromNew.allows(BinaryId.ofAscii("xxxxxxxxxxxxxxxxxxxx"))).isFalse();
  }

  @Test
  void aTokenWithoutSwarmsAllowsAnySwarm() throws Exception {
    JoinTokenVerifier verifier = new JoinTokenVerifier(List.of(NEW), clock);
    JoinGrant grant = verifier.verify(
        JoinTokens.mint(NEW, JoinGrant.anySwarm(in(Duration.ofHours(1))), clock.instant()));
    assertThat(grant.anySwarm()).isTrue();
    assertThat(grant.allows(SWARM)).isTrue();
  }

  @Test
  void expiredNotYetValidAndFutureTokensAreRefusedAsExpired() {
    JoinTokenVerifier verifier = new JoinTokenVerifier(List.of(NEW), clock);
    String token = JoinTokens.mint(NEW, JoinGrant.anySwarm(in(Duration.ofMinutes(1))),
        clock.instant());
    String future = JoinTokens.mint(NEW, JoinGrant.anySwarm(in(Duration.ofMinutes(30))),
        in(Duration.ofMinutes(10)));

    assertRefused(verifier, future, Reason.EXPIRED, "token not valid yet (iat)");
    clock.advance(Duration.ofSeconds(60 + 29));
    assertThat(catchVerify(verifier, token)).isNull(); // 30 s of clock skew are tolerated
    clock.advance(Duration.ofSeconds(2));
    assertRefused(verifier, token, Reason.EXPIRED, "token expired");
  }

  @Test
  void forgedTamperedAndForeignTokensAreRefusedAsInvalid() {
    JoinTokenVerifier verifier = new JoinTokenVerifier(List.of(NEW), clock);
    Instant exp = in(Duration.ofHours(1));
    String good = JoinTokens.mint(NEW, JoinGrant.forSwarms(Set.of(SWARM), exp), clock.instant());
    String[] parts = good.split("\\.");
    String otherPayload = Base64.getUrlEncoder().withoutPadding().encodeToString(
        ("{\"exp\":" + exp.getEpochSecond() + "}").getBytes(StandardCharsets.UTF_8));
    String noneHeader = Base64.getUrlEncoder().withoutPadding().encodeToString(
        "{\"alg\":\"none\",\"kid\":\"new\"}".getBytes(StandardCharsets.UTF_8));

    assertRefused(verifier, "not-a-token", Reason.INVALID, "token is not a JWT");
    assertRefused(verifier, parts[0] + "." + otherPayload + "." + parts[2], Reason.INVALID,
        "bad token signature");
    assertRefused(verifier, noneHeader + "." + parts[1] + ".", Reason.INVALID,
        "token is not signed with HS256");
    assertRefused(verifier, JoinTokens.mint(OLD, JoinGrant.anySwarm(exp), clock.instant()),
        Reason.INVALID, "unknown key id");
    assertRefused(verifier, JWT.create().withKeyId("new").withExpiresAt(exp)
        .sign(Algorithm.HMAC256(OLD.secret())), Reason.INVALID, "bad token signature");
    assertRefused(verifier, JWT.create().withKeyId("new").sign(Algorithm.HMAC256(NEW.secret())),
        Reason.INVALID, "invalid token: The Claim 'exp' is not present in the JWT.");
    assertRefused(verifier, JWT.create().withKeyId("new").withExpiresAt(exp)
        .withClaim("ih", List.of("abc")).sign(Algorithm.HMAC256(NEW.secret())),
        Reason.INVALID, "claim ih holds a value that is not 40 hex digits");
    assertRefused(verifier, JWT.create().withKeyId("new").withExpiresAt(exp)
        .withClaim("ih", "00").sign(Algorithm.HMAC256(NEW.secret())),
        Reason.INVALID, "claim ih must be a list of 1 to 64 info hashes in hex");
    assertRefused(verifier, "x".repeat(JoinTokenVerifier.MAX_TOKEN_CHARS + 1), Reason.INVALID,
        "token longer than 3000 characters");
  }

  @Test
  void aTokenWithoutKidIsCheckedOnlyAgainstASingleKey() throws Exception {
    String noKid = JWT.create().withExpiresAt(in(Duration.ofHours(1)))
        .sign(Algorithm.HMAC256(NEW.secret()));
    assertThat(new JoinTokenVerifier(List.of(NEW), clock).verify(noKid).anySwarm()).isTrue();
    assertRefused(new JoinTokenVerifier(List.of(NEW, OLD), clock), noKid, Reason.INVALID,
        "token has no kid (key id)");
  }

  @Test
  void theTokenGoesIntoTheQueryOfTheTrackerUrl() {
    assertThat(JoinTokens.withToken(URI.create("wss://t.example/announce"), "a.b.c"))
        .hasToString("wss://t.example/announce?token=a.b.c");
    assertThat(JoinTokens.withToken(URI.create("ws://t.example/?x=1"), "a.b-_c"))
        .hasToString("ws://t.example/?x=1&token=a.b-_c");
  }

  @Test
  void grantsAndMintingCheckTheirArguments() {
    Instant exp = in(Duration.ofHours(1));
    assertThatThrownBy(() -> JoinGrant.forSwarms(Set.of(), exp))
        .hasMessage("infoHashes: empty (expected: at least one, or anySwarm)");
    assertThatThrownBy(() -> JoinTokens.mint(NEW, JoinGrant.anySwarm(clock.instant()),
        clock.instant())).hasMessageContaining("expected: after issuedAt");
  }

  private static InvalidJoinTokenException catchVerify(JoinTokenVerifier verifier, String token) {
    try {
      verifier.verify(token);
      return null;
    } catch (InvalidJoinTokenException e) {
      return e;
    }
  }

  private static void assertRefused(JoinTokenVerifier verifier, String token, Reason reason,
      String message) {
    InvalidJoinTokenException e = catchVerify(verifier, token);
    assertThat(e).as("refusal of %s", token).isNotNull();
    assertThat(e.reason()).isEqualTo(reason);
    assertThat(e.getMessage()).isEqualTo(message);
  }
}
