package dev.hlsmesh.agent.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The one buffer of a segment: filled once, read while it grows, frozen when complete. */
class SegmentBufferTest {

  private static ByteBuffer bytes(int... values) {
    byte[] b = new byte[values.length];
    for (int i = 0; i < values.length; i++) {
      b[i] = (byte) values[i];
    }
    return ByteBuffer.wrap(b);
  }

  private static byte[] read(ByteBuffer buffer) {
    byte[] b = new byte[buffer.remaining()];
    buffer.get(b);
    return b;
  }

  @Test
  void growsToItsAnnouncedSizeAndIsReadableFromAnyOffsetWhileArriving() {
    SegmentBuffer segment = new SegmentBuffer(100);
    assertThat(segment.totalBytes()).isEqualTo(-1);
    segment.size(5);
    segment.append(bytes(1, 2, 3));
    assertThat(segment.availableBytes()).isEqualTo(3);
    assertThat(read(segment.readable(1))).containsExactly(2, 3);
    assertThat(segment.readable(3).hasRemaining()).isFalse();
    assertThat(segment.readable(0).isReadOnly()).isTrue();
    segment.append(bytes(4, 5));
    segment.complete();
    assertThat(segment.state()).isEqualTo(SegmentBuffer.State.COMPLETE);
    assertThat(segment.copyOfAvailable()).containsExactly(1, 2, 3, 4, 5);
  }

  @Test
  void failsOnBytesBeyondItsSizeOrOnASizeAboveTheBoundOrWhenCompletedShort() {
    SegmentBuffer overflow = new SegmentBuffer(100);
    overflow.size(2);
    assertThat(overflow.append(bytes(1, 2, 3))).isFalse();
    assertThat(overflow.state()).isEqualTo(SegmentBuffer.State.FAILED);

    SegmentBuffer huge = new SegmentBuffer(100);
    assertThat(huge.size(101)).isFalse();
    assertThat(huge.state()).isEqualTo(SegmentBuffer.State.FAILED);

    SegmentBuffer unsizedTooLarge = new SegmentBuffer(2);
    assertThat(unsizedTooLarge.append(bytes(1, 2, 3))).isFalse();

    SegmentBuffer shortOne = new SegmentBuffer(100);
    shortOne.size(3);
    shortOne.append(bytes(1));
    assertThat(shortOne.complete()).isFalse();
    assertThat(shortOne.state()).isEqualTo(SegmentBuffer.State.FAILED);
    assertThat(shortOne.copyOfAvailable()).as("the bytes so far stay readable").containsExactly(1);
    org.assertj.core.api.Assertions.assertThatThrownBy(shortOne::bytes).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void aSizedSegmentIsCopiedInOnceAndFrozenWithoutAnotherCopy() {
    SegmentBuffer segment = new SegmentBuffer(1 << 20);
    segment.size(6);
    segment.append(bytes(1, 2, 3));
    ByteBuffer earlyView = segment.readable(0);
    segment.append(bytes(4, 5, 6));
    assertThat(segment.complete()).isTrue();
    byte[] frozen = segment.bytes();
    assertThat(frozen).containsExactly(1, 2, 3, 4, 5, 6);
    assertThat(segment.copiedBytes()).as("each byte copied in once").isEqualTo(6);
    assertThat(segment.bytes()).as("the frozen bytes are the buffer itself").isSameAs(frozen);
    frozen[0] = 9; // the test's own probe: views share the one array
    assertThat(earlyView.get(0)).isEqualTo((byte) 9);
  }

  @Test
  void aBodyOfUnknownLengthGrowsAndIsTrimmedWhenFrozenAndAPrefixContinues() {
    SegmentBuffer unsized = new SegmentBuffer(1 << 20);
    byte[] body = new byte[100_000];
    new java.util.Random(3).nextBytes(body);
    unsized.append(ByteBuffer.wrap(body, 0, 70_000));
    assertThat(unsized.totalBytes()).isEqualTo(-1);
    unsized.append(ByteBuffer.wrap(body, 70_000, 30_000));
    assertThat(unsized.complete()).isTrue();
    assertThat(unsized.bytes()).isEqualTo(body);
    assertThat(unsized.totalBytes()).isEqualTo(100_000);

    SegmentBuffer rest = new SegmentBuffer(100);
    rest.size(5);
    rest.append(bytes(1, 2)); // a peer's prefix
    assertThat(rest.size(5)).as("the same size again is fine").isTrue();
    assertThat(rest.size(6)).as("another size fails it").isFalse();
  }

  @Test
  void wakesAWaiterOnceAtTheNextChangeOrAtOnceWhenThereIsSomethingNewAlready() {
    SegmentBuffer segment = new SegmentBuffer(100);
    List<String> woken = new ArrayList<>();
    segment.whenBeyond(0, false, () -> woken.add("size"));
    segment.size(4);
    assertThat(woken).containsExactly("size");
    segment.whenBeyond(0, false, () -> woken.add("size known already"));
    assertThat(woken).endsWith("size known already");
    segment.whenBeyond(0, true, () -> woken.add("bytes"));
    assertThat(woken).as("nothing new for it yet").hasSize(2);
    segment.append(bytes(1));
    assertThat(woken).endsWith("bytes");
    segment.append(bytes(2));
    assertThat(woken).as("once only").hasSize(3);
    segment.whenBeyond(1, true, () -> woken.add("already"));
    assertThat(woken).endsWith("already");
    segment.whenBeyond(2, true, () -> woken.add("end"));
    segment.fail();
    assertThat(woken).endsWith("end");
    segment.whenBeyond(2, true, () -> woken.add("ended already"));
    assertThat(woken).endsWith("ended already");
  }
}
