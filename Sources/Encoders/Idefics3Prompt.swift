import Foundation

/// The text Idefics3Processor puts in place of each `<image>` of a prompt, from the tile
/// layout: per tile `<fake_token_around_image><row_r_col_c>` and `image_seq_len` `<image>`
/// tokens, a newline after each row of tiles, then a blank line and the global image as
/// `<fake_token_around_image><global-img>` + image tokens + `<fake_token_around_image>`. A
/// single image (layout 0 x 0) is just the global part, without the newlines.
public enum Idefics3Prompt {
    public static let fakeImageToken = "<fake_token_around_image>"
    public static let imageToken = "<image>"
    public static let globalImageToken = "<global-img>"

    /// The expansion of one `<image>` for a `rows x cols` layout.
    public static func imageTokens(rows: Int, cols: Int, imageSequenceLength: Int) -> String {
        let images = String(repeating: imageToken, count: imageSequenceLength)
        let global = fakeImageToken + globalImageToken + images + fakeImageToken
        guard rows > 0 && cols > 0 else { return global }
        var text = ""
        for row in 1...rows {
            for col in 1...cols { text += fakeImageToken + "<row_\(row)_col_\(col)>" + images }
            text += "\n"
        }
        return text + "\n" + global
    }

    /// `prompt` with its (only) `<image>` expanded for the layout.
    public static func expand(_ prompt: String, rows: Int, cols: Int, imageSequenceLength: Int) -> String {
        prompt.replacingOccurrences(of: imageToken, with: imageTokens(rows: rows, cols: cols, imageSequenceLength: imageSequenceLength))
    }
}
